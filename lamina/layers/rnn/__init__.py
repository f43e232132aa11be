"""Built-in rnn layers (filled in by the layer-library issue)."""

__all__: list[str] = []
