"""Callbacks with Keras 3's names, arguments and defaults.

A callback's hooks run at the start and end of training, epochs and batches
(``Callback``); ``CallbackList`` drives a list of them. Logs may hold JAX arrays
still on the device: each callback reads a value only where it needs the number.
"""

from lamina.callbacks.backup_and_restore import BackupAndRestore
from lamina.callbacks.callback import Callback
from lamina.callbacks.callback_list import CallbackList
from lamina.callbacks.csv_logger import CSVLogger
from lamina.callbacks.early_stopping import EarlyStopping
from lamina.callbacks.history import History
from lamina.callbacks.lambda_callback import LambdaCallback
from lamina.callbacks.lr_scheduler import LearningRateScheduler
from lamina.callbacks.model_checkpoint import ModelCheckpoint
from lamina.callbacks.monitor_callback import MonitorCallback
from lamina.callbacks.progbar import Progbar
from lamina.callbacks.progbar_logger import ProgbarLogger
from lamina.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from lamina.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "Progbar",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]
