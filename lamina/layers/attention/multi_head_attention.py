"""``MultiHeadAttention``: scaled dot-product attention over several learned heads."""

import math

import jax.numpy as jnp

from lamina import constraints, initializers, random, regularizers
from lamina.core import masking
from lamina.core.input_spec import InputSpec
from lamina.core.layer import Layer
from lamina.layers.attention import _arguments, _masking, _mha_equations
from lamina.layers.attention.einsum_dense import EinsumDense


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017), with Keras 3's weights and masks.

    ``query`` ``(B, T, dim_q)``, ``value`` ``(B, S, dim_v)`` and ``key`` ``(B, S, dim_k)``
    (default: ``value``) are projected by the ``EinsumDense`` sublayers ``query_dense``,
    ``key_dense``, ``value_dense`` to ``num_heads`` heads; each head attends with
    weights ``softmax(q k^T / sqrt(key_dim))``; ``output_dense`` projects the heads back.
    Output ``(B, T, dim_q)``, or ``(B, T, *output_shape)``; with
    ``return_attention_scores=True`` also the weights ``(B, num_heads, T, S)``
    (before dropout). Higher-rank inputs attend over ``attention_axes``.

    Masks: ``attention_mask`` ``(B, T, S)`` (True: may attend), the padding masks of
    ``query``/``value``/``key`` (``(B, T)``/``(B, S)``, passed or attached by e.g.
    ``Embedding(mask_zero=True)``), the causal mask and the sliding window are ANDed.
    Masked keys get exactly zero weight. A query row with no visible key (a padded
    query step) gets uniform weights, or zeros when Keras would use its explicit
    softmax (``dropout > 0``, ``return_attention_scores=True``, or inputs of rank
    other than 3): lamina follows Keras on both. The output carries the query's mask.

    Args:
      num_heads: positive int, number of heads.
      key_dim: positive int, size of each query/key head.
      value_dim: size of each value head (default None: ``key_dim``).
      dropout: dropout rate on the attention weights in training (default 0.0).
      use_bias: biases in the projections (default True).
      output_shape: int or tuple, the output's feature shape (default None: ``dim_q``).
      attention_axes: query axes to attend over (default None: all but batch, features).
      sliding_window: positive int: query ``i`` sees keys ``j`` with ``|i - j| <
        sliding_window`` (default None: all).
      kernel_initializer, bias_initializer: default ``"glorot_uniform"``, ``"zeros"``.
      kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: passed to every projection.
      use_gate: gate the heads' output with ``sigmoid(gate_dense(query))`` (default False).
      seed: int seed of the dropout (default None).

    Call arguments: ``query, value, key=None, query_mask=None, value_mask=None,
    key_mask=None, attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False``.

    Example::

        mha = MultiHeadAttention(num_heads=2, key_dim=4)
        x = jnp.ones((3, 5, 8))
        y, scores = mha(x, x, return_attention_scores=True)   # (3, 5, 8), (3, 2, 5, 5)
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        sliding_window=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = self._where
        _arguments.check_positive(num_heads, "num_heads", where)
        _arguments.check_positive(key_dim, "key_dim", where)
        if value_dim is not None:
            _arguments.check_positive(value_dim, "value_dim", where)
        if sliding_window is not None:
            _arguments.check_positive(sliding_window, "sliding_window", where)
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim if value_dim else key_dim
        self.dropout = _arguments.check_rate(dropout, where)
        self.use_bias = bool(use_bias)
        self._output_shape = _arguments.standardize_shape(output_shape, where)
        self.attention_axes = _arguments.standardize_axes(attention_axes, where)
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # Keras hands the activity regularizer to the projections, not to this layer.
        self.projection_activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.use_gate = bool(use_gate)
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    @property
    def _where(self):
        return f"MultiHeadAttention '{self.name}'"

    # ------------------------------------------------------------------ build
    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        rank = len(query_shape)
        self._rank = rank
        heads = (self.num_heads, self.key_dim)
        self.query_dense = self._projection("query", query_shape, heads)
        self.key_dense = self._projection("key", key_shape, heads)
        value_heads = (self.num_heads, self.value_dim)
        self.gate_dense = None
        if self.use_gate:
            self.gate_dense = self._projection("gate", query_shape, value_heads, "sigmoid")
        self.value_dense = self._projection("value", value_shape, value_heads)

        self._axes = _mha_equations.normalize_attention_axes(self.attention_axes, rank, self._where)
        self._dot_equation, self._combine_equation, scores_rank = (
            _mha_equations.attention_equations(rank + 1, self._axes)
        )
        self._softmax_axes = tuple(range(scores_rank - len(self._axes), scores_rank))

        out_shape = self._output_shape or (query_shape[-1],)
        equation, bias_axes, out_rank = _mha_equations.projection_equation(
            rank - 1, 2, len(out_shape)
        )
        self.output_dense = self._einsum_dense(
            "attention_output", equation, out_rank, out_shape, bias_axes
        )
        _build(self.output_dense, (*query_shape[:-1], self.num_heads, self.value_dim))
        self.input_spec = InputSpec(ndim=rank, axes={-1: query_shape[-1]})

    def _projection(self, name, input_shape, heads, activation=None):
        equation, bias_axes, out_rank = _mha_equations.projection_equation(
            len(input_shape) - 1, 1, 2
        )
        layer = self._einsum_dense(name, equation, out_rank, heads, bias_axes, activation)
        _build(layer, input_shape)
        return layer

    def _einsum_dense(self, name, equation, out_rank, last_dims, bias_axes, activation=None):
        return EinsumDense(
            equation,
            output_shape=(None,) * (out_rank - 1 - len(last_dims)) + tuple(last_dims),
            activation=activation,
            bias_axes=bias_axes if self.use_bias else None,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.projection_activity_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
            name=name,
        )

    def _check_shapes(self, query_shape, value_shape, key_shape):
        described = f"query={query_shape}, value={value_shape}, key={key_shape}"
        if len(query_shape) < 3 or not len(query_shape) == len(value_shape) == len(key_shape):
            raise ValueError(
                f"{self._where}: query, value and key must have the same rank, at least 3"
                f" (batch, steps..., features); received {described}."
            )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                f"{self._where}: all axes of `value` and `key` but the last must be equal;"
                f" received {described}."
            )

    # ------------------------------------------------------------------- call
    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        if key is None:
            key = value
        self._check_call(query, value, key)
        mask = self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        gate = self.gate_dense(query) if self.gate_dense is not None else None
        q = self.query_dense(query)
        k = self.key_dense(key)
        v = self.value_dense(value)
        # Keras zeroes fully masked rows only on its explicit-softmax path; match it.
        zero_rows = self.dropout > 0 or return_attention_scores or q.ndim != 4
        outputs, scores = self._attend(q, k, v, mask, bool(training), zero_rows)
        if gate is not None:
            outputs = outputs * gate
        outputs = self.output_dense(outputs)
        if query_mask is not None:
            masking.set_mask(outputs, query_mask)
        return (outputs, scores) if return_attention_scores else outputs

    def _attend(self, q, k, v, mask, training, zero_rows):
        q = q * jnp.asarray(1.0 / math.sqrt(float(self.key_dim)), q.dtype)
        scores = jnp.einsum(self._dot_equation, k, q)
        if mask is not None:
            # (B, T, S) → (B, 1, T, S): broadcast over heads and non-attention axes.
            position = -2 * len(self._axes) - 1
            while mask.ndim < scores.ndim:
                mask = jnp.expand_dims(mask, position)
        weights = _masking.masked_softmax(scores, mask, self._softmax_axes, zero_rows)
        dropped = _masking.attention_dropout(
            weights, self.dropout, getattr(self, "seed_generator", None), training
        )
        return jnp.einsum(self._combine_equation, dropped, v), weights

    def _attention_mask(
        self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
    ):
        """AND of every mask that applies, ``(B, T, S)``-broadcastable bool, or None."""
        masks = [] if attention_mask is None else [jnp.asarray(attention_mask, bool)]
        if query_mask is not None:
            masks.append(jnp.asarray(query_mask, bool)[..., None])
        for padding in (value_mask, key_mask):
            if padding is not None:
                masks.append(jnp.asarray(padding, bool)[..., None, :])
        if use_causal_mask:
            masks.append(_masking.causal_mask(query.shape[1], value.shape[1]))
        if self.sliding_window is not None:
            masks.append(_masking.band_mask(query.shape[1], value.shape[1], self.sliding_window))
        if not masks:
            return None
        combined = masks[0]
        for mask in masks[1:]:
            combined = combined & mask
        return combined

    def _check_call(self, query, value, key):
        for name, x, layer in (
            ("query", query, self.query_dense),
            ("value", value, self.value_dense),
            ("key", key, self.key_dense),
        ):
            features = layer.kernel.shape[0]
            if jnp.ndim(x) != self._rank or jnp.shape(x)[-1] != features:
                raise ValueError(
                    f"{self._where} was built for `{name}` of rank {self._rank} with"
                    f" {features} features (last axis); received `{name}` of shape"
                    f" {tuple(jnp.shape(x))}."
                )
        if jnp.shape(value)[1:-1] != jnp.shape(key)[1:-1]:
            raise ValueError(
                f"{self._where}: all axes of `value` and `key` but the last must be equal;"
                f" received value={tuple(jnp.shape(value))}, key={tuple(jnp.shape(key))}."
            )

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            key_shape = value_shape if key_shape is None else tuple(key_shape)
            if value_shape[1:-1] != key_shape[1:-1]:
                raise ValueError(
                    f"{self._where}: all axes of `value` and `key` but the last must be"
                    f" equal; received value={value_shape}, key={key_shape}."
                )
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "value_dim": self.value_dim,
                "dropout": self.dropout,
                "use_bias": self.use_bias,
                "use_gate": self.use_gate,
                "output_shape": self._output_shape,
                "attention_axes": self.attention_axes,
                "sliding_window": self.sliding_window,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(
                    self.projection_activity_regularizer
                ),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "seed": self.seed,
            }
        )
        return config


def _build(layer, input_shape):
    """Build a sublayer now (as Keras does), so its weights exist once this layer is built."""
    layer.build(tuple(input_shape))
    layer.built = True
