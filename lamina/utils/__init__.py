"""Utilities with Keras' names."""

from lamina.utils.seeding import set_random_seed
