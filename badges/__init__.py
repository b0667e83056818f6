"""A self-contained Open Badges engine (OB 2.0 and 3.0) that knows nothing of programmes."""
