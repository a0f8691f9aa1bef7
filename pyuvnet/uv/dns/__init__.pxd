# The dns wing of the binding: c-ares's declarations (ares.pxd).
