"""cdcsim's benchmark suite: scripts that print figures and ratios (never asserted in tests)."""
