"""gardefou.store"""
