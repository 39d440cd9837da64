"""Price forecasts with measured skill: features, labels, walk-forward evaluation, models, light inference.

Two sides, kept apart on purpose:

- training (:mod:`.evaluate`, :mod:`.train` and the model modules) needs
  scikit-learn, PyTorch and arch, and runs where those fit (TrainFunction's
  container image, the local tools);
- inference (:mod:`.predict`, :mod:`.inference`, :mod:`.artifacts`,
  :mod:`.features`) needs numpy and pandas only, so AnalyzeFunction stays
  small; tests prove it returns the training libraries' own outputs.

This ``__init__`` imports nothing, so importing the inference side never drags
the training libraries in.
"""
