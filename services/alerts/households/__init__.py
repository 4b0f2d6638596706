"""What alerts knows of households: their org codes and their members' ID-number blind indexes, from intake."""
