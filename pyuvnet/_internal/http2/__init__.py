"""What http2 shares with the app servers that speak HTTP/2 (Node's
lib/internal/http2/util.js): its errors and its header blocks."""
