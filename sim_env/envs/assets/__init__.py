"""Package data: the robot URDF (a package so that setup.cfg's ``*.urdf`` package_data pattern ships it)."""
