"""Agreement and drift metrics: pure functions, one definition of each number."""
