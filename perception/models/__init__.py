"""Expression classifiers: FaceNet+InceptionTime, FaceNet+KNN-DTW and a 3D-CNN without a face prior."""
