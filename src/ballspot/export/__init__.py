"""Trained models in other formats: ONNX (encoder and head graphs) and TorchScript."""
