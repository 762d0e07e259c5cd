"""Teams: several people labeling one set of items into one shared store (`lw.Team`)."""
