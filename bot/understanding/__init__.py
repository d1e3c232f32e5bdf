"""understanding layer."""
