package tfcompress.preprocessing

/** The spec (or a JSON file) cannot be read, or describes preprocessing this code does not implement. */
class SpecException(message: String) : IllegalArgumentException(message)
