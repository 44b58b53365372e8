"""Face crops (MTCNN), FaceNet weights and embeddings, clip augmentation, expression classifiers and the
ExpressionRecognizer. Nothing heavy is imported here, so ``hrisim --help`` stays instant."""
