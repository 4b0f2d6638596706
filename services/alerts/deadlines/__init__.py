"""The deadline registry: every deadline.scheduled and deadline.met, and the warnings' own checks."""
