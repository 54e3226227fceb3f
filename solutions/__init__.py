"""Reference solution (answer key) for the from-scratch MLP assignment.

The only place a solution line is written: the master notebook names what it takes from
here (``# SOLUTION: solutions.network.feedforward``) and ``mlp-course build`` copies that
code in (``grader/assemble/expand.py``). ``cells`` holds the answer cells that are statements
(Q4, Q11, Q12), ``written`` the model answers to the written questions.

Columns are samples throughout: X is (D, N) with D = 784 pixels and N images.
"""

from .activations import ReLu, deriv_ReLu, deriv_sigmoid, sigmoid
from .data_prep import add_shifted_copies, display_random_images, extract_digits, prepare_pair, vectorize_images
from .evaluation import predict
from .models import GUIDANCE, HYPERPARAMS, model_1_5, model_7_9
from .network import NNet, backpropagation, feedforward, gradients
from .training import train_NNet

__all__ = [
    "NNet", "ReLu", "add_shifted_copies", "backpropagation", "deriv_ReLu", "deriv_sigmoid",
    "GUIDANCE", "HYPERPARAMS", "display_random_images", "extract_digits", "feedforward", "gradients",
    "model_1_5", "model_7_9", "predict", "prepare_pair", "sigmoid", "train_NNet", "vectorize_images",
]
