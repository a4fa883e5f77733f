"""Plain vocabulary every room shares: errors, samples, button actions, the clock."""
