"""The Keras guide's variational autoencoder, trained with ``fit`` on 28x28 images.

Run ``python -m lamina.examples.vae``. Data, offline: full MNIST when found (see
``lamina.datasets.mnist``), else Fashion-MNIST (Debian's ``dataset-fashion-mnist``),
else the MNIST test split in ``../shared/data/mnist`` beside the checkout;
``--data mnist-test --data-dir DIR`` trains on an MNIST test split (10,000 images).
After training it writes a PNG (``--png PATH``, default ``out/vae.png``): inputs,
their reconstructions, and images decoded from random latent points.
The model code is the guide's, with only the import changed.
"""

import argparse
import os

import numpy as np

import lamina as keras
from lamina import layers, ops
from lamina.examples import images


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


def load_data(choice="auto", data_dir=None):
    """``(images uint8 (n, 28, 28), labels uint8 (n,), description)`` for ``choice``.

    ``"auto"``: full MNIST's training split when found, else Fashion-MNIST's, else the
    MNIST test split beside the checkout; the description says which, and why.
    """
    from lamina import datasets

    if choice == "mnist-test":
        folder = data_dir or SHARED_MNIST
        x, y = datasets.load_split(folder, "t10k")
        return x, y, f"the MNIST test split ({len(x)} images) from {os.path.abspath(folder)}"
    if choice in ("auto", "mnist"):
        try:
            (x, y), _ = datasets.mnist.load_data(data_dir)
            return x, y, f"MNIST ({len(x)} training images)"
        except datasets.DatasetError:
            if choice == "mnist":
                raise
            reason = "no full MNIST on this machine; see lamina.datasets.mnist.load_data"
    try:
        (x, y), _ = datasets.fashion_mnist.load_data(
            data_dir if choice == "fashion_mnist" else None
        )
    except datasets.DatasetError:
        if choice == "fashion_mnist" or not os.path.isdir(SHARED_MNIST):
            raise
        return load_data("mnist-test", SHARED_MNIST)
    note = "" if choice == "fashion_mnist" else f" ({reason})"
    return x, y, f"Fashion-MNIST ({len(x)} training images){note}"


def load_images(choice="auto", data_dir=None):
    """``(images uint8 (n, 28, 28), description)`` for ``choice`` (see :func:`load_data`)."""
    x, _, description = load_data(choice, data_dir)
    return x, description


def elbo_reconstruction_loss(original_dim=784, latent_dim=32):
    """A reconstruction loss that, with the model's KL term, makes the textbook ELBO.

    The guide compiles with the per-pixel mean squared error, while its KL term is a
    mean over latent dimensions: against the textbook objective (a sum over pixels
    and a sum over latent dimensions) the KL term weighs ``original_dim / latent_dim``
    (24.5) times too much, and the encoder learns to ignore its input (posterior
    collapse: every reconstruction is the average image). This loss is the binary
    cross-entropy scaled by ``original_dim / latent_dim``, so that the total is the
    negative ELBO with a Bernoulli decoder, divided by ``latent_dim``.
    """
    bce = keras.losses.BinaryCrossentropy()
    scale = original_dim / latent_dim

    def elbo_reconstruction(y_true, y_pred):
        return scale * bce(y_true, y_pred)

    return elbo_reconstruction


def reconstruct(vae, x):
    """The decoder's image of each input's latent mean: ``(n, 784)`` floats in 0..1.

    Decoding ``z_mean`` rather than a sampled ``z`` shows what the model learned,
    without the sampling noise."""
    z_mean, _, _ = vae.encoder(x)
    return np.asarray(vae.decoder(z_mean))


def decode_samples(vae, n, seed=0):
    """``n`` images ``(n, 784)`` decoded from latent points drawn from N(0, I), the prior."""
    latent_dim = vae.encoder.dense_mean.units
    z = keras.random.normal((n, latent_dim), seed=seed)
    return np.asarray(vae.decoder(z))


def picture(vae, x, cols=10, rows=2, seed=0):
    """A uint8 grid: ``rows`` rows of inputs from ``x`` ``(n, 784)``, then as many of
    their reconstructions, then as many of images decoded from random latent points."""
    n = cols * rows
    inputs = np.asarray(x[:n])
    sections = [inputs, reconstruct(vae, inputs), decode_samples(vae, n, seed)]
    return images.stack([images.tile(s.reshape(-1, 28, 28), cols) for s in sections])


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
    parser.add_argument(
        "--objective",
        default="guide",
        choices=["guide", "elbo"],
        help="guide: mean squared error, as the guide (its posterior collapses);"
        " elbo: the textbook ELBO's weighting (see elbo_reconstruction_loss)",
    )
    parser.add_argument(
        "--png",
        default=os.path.join("out", "vae.png"),
        help="where to write inputs, reconstructions and samples (default out/vae.png)",
    )
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    pixels, description = load_images(args.data, args.data_dir)
    print(f"Training on {description}.")
    x_train = pixels.reshape(len(pixels), 784).astype("float32") / 255

    vae = VariationalAutoEncoder(784, 64, 32)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    vae.compile(
        optimizer,
        loss=keras.losses.MeanSquaredError()
        if args.objective == "guide"
        else elbo_reconstruction_loss(784, 32),
        steps_per_execution=args.steps_per_execution,
    )
    history = vae.fit(x_train, x_train, epochs=args.epochs, batch_size=args.batch_size)
    if args.png:
        path = images.write_png(args.png, picture(vae, x_train, seed=args.seed))
        dataset = description.split(" (")[0]
        print(
            f"Wrote {path}: {dataset} inputs (top 2 rows), their reconstructions"
            " (next 2 rows) and images decoded from random latent points (last 2 rows)."
        )
        z_mean, _, _ = vae.encoder(x_train[:1000])
        if float(np.std(np.asarray(z_mean), axis=0).max()) < 0.01:
            print(
                "The reconstructions all look alike: with the guide's objective the"
                " encoder ignores its input (posterior collapse). `--objective elbo`"
                " weighs the KL term as the textbook ELBO does."
            )
    return vae, history


if __name__ == "__main__":
    main()
