"""Ends the process with os._exit(0) while being imported: no exception to catch."""
import os

os._exit(0)
