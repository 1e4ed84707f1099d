// Replaced by Health and Reflection.
