"""Model answers to the written questions, as the notebook's answer variables (Q6, Q7).

Each is inserted in the master notebook by a ``# SOLUTION: solutions.written.<name>`` line.
Graded by hand: these are what a full answer says, not what the autograder compares.
"""

ans_i = "W[l] are the weight matrices, one per layer, bias in the last column: they are what training learns. Z[l] stores each layer's pre-activation W[l] times its input, and Y[l] the layer's output after the activation; both are kept from the forward pass because backpropagation needs them."
ans_ii = "It reserves an array of zeros with one row per unit of layer i and one column per sample in the batch, to hold that layer's outputs (activations)."
ans_iii = "It reserves a matching array of zeros for layer i's pre-activations, the values before the activation function is applied."
ans_iv = "It draws layer i's weights uniformly in [-1, 1], with shape (units of layer i, units of layer i-1 + 1): the extra column holds the bias, and random values break the symmetry between units."
ans_bias = "A bias is a constant each unit adds to its weighted sum, so that its activation can shift away from the origin. With a row of ones under the input, the last column of W multiplies 1 in every sample, so that column acts as the biases and one matrix product does both jobs."
