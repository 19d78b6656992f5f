"""Reading, judging and sanitizing browser recordings (HAR 1.2) for `authdoctor har`."""
