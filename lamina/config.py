"""Global settings (Keras' ``keras.config`` names)."""
