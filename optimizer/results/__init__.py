"""Result and its planning tables."""
