"""Domain vocabulary shared by every service (codes and Chinese labels)."""
