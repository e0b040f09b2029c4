"""`./dev conformance`: the same REST cases against two Supabase-compatible endpoints, diffed.

See docs/devstack.md ("Checking against a real project").
"""
