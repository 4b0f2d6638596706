"""Households (农户) and their members: the register that visits verify."""
