"""EDC: electronic data capture for early-phase cell-therapy trials."""
