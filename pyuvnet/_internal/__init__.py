"""pyuvnet's internal modules (Node's lib/internal/): what two or more
families share, below all of them. Nothing here is public."""
