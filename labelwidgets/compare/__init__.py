"""`lw.compare`: which suggester agrees with people, with intervals and ties."""
