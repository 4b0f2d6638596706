"""Departments (部门) that push warnings, and their webhook signing secrets."""
