"""Pages of figures: each role's home dashboard, school and district overviews, contact coverage
and rankings with the families behind a figure, the grids' overview and the district's case
statistics. The only package that reads many domains at once; none of them reads it."""
