"""kyc-helper: a troubleshooting chatbot for rejected Binance identity verification (KYC)."""

__version__ = "0.1.0"
