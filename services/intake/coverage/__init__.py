"""Campaign coverage (走访覆盖情况): who has been visited, how, and who has not."""
