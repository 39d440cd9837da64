"""Pure analysis of closed candles: OHLCV frames and the indicators computed on them."""
