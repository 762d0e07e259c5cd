"""The notebook views: thin anywidgets and plotly figures over the public APIs."""
