"""The Keras guide's variational autoencoder, trained with ``fit`` on 28x28 images.

Run ``python -m lamina.examples.vae``. Data, offline: full MNIST when found (see
``lamina.datasets.mnist``), else Fashion-MNIST (Debian's ``dataset-fashion-mnist``),
else the MNIST test split in ``../shared/data/mnist`` beside the checkout;
``--data mnist-test --data-dir DIR`` trains on an MNIST test split (10,000 images).
The model code is the guide's, with only the import changed.
"""

import argparse
import os

import lamina as keras
from lamina import layers, ops


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    """Maps MNIST digits to a triplet (z_mean, z_log_var, z)."""

    def __init__(self, latent_dim=32, intermediate_dim=64, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        z = self.sampling((z_mean, z_log_var))
        return z_mean, z_log_var, z


class Decoder(layers.Layer):
    """Converts z, the encoded digit vector, back into a readable digit."""

    def __init__(self, original_dim, intermediate_dim=64, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        x = self.dense_proj(inputs)
        return self.dense_output(x)


class VariationalAutoEncoder(keras.Model):
    """Combines the encoder and decoder into an end-to-end model for training."""

    def __init__(
        self,
        original_dim,
        intermediate_dim=64,
        latent_dim=32,
        name="autoencoder",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        # Add KL divergence regularization loss.
        kl_loss = -0.5 * ops.mean(z_log_var - ops.square(z_mean) - ops.exp(z_log_var) + 1)
        self.add_loss(kl_loss)
        return reconstructed


# The project's shared MNIST test split, beside a checkout (a last resort for "auto").
SHARED_MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "mnist")


def load_images(choice="auto", data_dir=None):
    """``(images uint8 (n, 28, 28), description)`` for ``choice``."""
    from lamina import datasets

    if choice == "mnist-test":
        folder = data_dir or SHARED_MNIST
        x, _ = datasets.load_split(folder, "t10k")
        return x, f"the MNIST test split ({len(x)} images) from {os.path.abspath(folder)}"
    if choice in ("auto", "mnist"):
        try:
            (x, _), _ = datasets.mnist.load_data(data_dir)
            return x, f"MNIST ({len(x)} training images)"
        except datasets.DatasetError:
            if choice == "mnist":
                raise
            reason = "no full MNIST on this machine; see lamina.datasets.mnist.load_data"
    try:
        (x, _), _ = datasets.fashion_mnist.load_data(
            data_dir if choice == "fashion_mnist" else None
        )
    except datasets.DatasetError:
        if choice == "fashion_mnist" or not os.path.isdir(SHARED_MNIST):
            raise
        return load_images("mnist-test", SHARED_MNIST)
    note = "" if choice == "fashion_mnist" else f" ({reason})"
    return x, f"Fashion-MNIST ({len(x)} training images){note}"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Train the guide's VAE with fit.")
    parser.add_argument(
        "--data", default="auto", choices=["auto", "mnist", "fashion_mnist", "mnist-test"]
    )
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps-per-execution", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    images, description = load_images(args.data, args.data_dir)
    print(f"Training on {description}.")
    x_train = images.reshape(len(images), 784).astype("float32") / 255

    vae = VariationalAutoEncoder(784, 64, 32)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(
        optimizer,
        loss=keras.losses.MeanSquaredError(),
        steps_per_execution=args.steps_per_execution,
    )
    history = vae.fit(x_train, x_train, epochs=args.epochs, batch_size=args.batch_size)
    return vae, history


if __name__ == "__main__":
    main()
