"""The engine: variables, scopes, layers and the pure (params, state) face.

Nothing here imports the rest of lamina; the outer modules plug into
:mod:`lamina.core.registry` instead.
"""
