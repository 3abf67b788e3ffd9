"""gardefou.hashing"""
