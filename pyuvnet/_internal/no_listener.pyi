# Types of pyuvnet._internal.no_listener: on()'s default listener, a str (its class
# is private: the stubs type each on() by its overloads, not by it).
__all__ = ['NO_LISTENER']

NO_LISTENER: str
