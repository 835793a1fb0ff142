"""The data-access layer: the only code that touches MongoDB collections."""
