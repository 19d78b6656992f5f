"""`authdoctor rbac why`: why a user of Open WebUI 0.12.4 has, or lacks, a permission or access to
a model, knowledge base or tool, computed from the app's own database rows the way the app does.

- `authdoctor.rbac.permissions`: the permission names, their `USER_PERMISSIONS_*` variables and
  built-in defaults (data from the 0.12.4 wheel's config.py).
- `authdoctor.rbac.evaluate`: the pure evaluation (rows in, findings out, no I/O).
- `authdoctor.probes.rbac_rows`: the indexed reads that gather those rows from a read-only
  database.
"""
