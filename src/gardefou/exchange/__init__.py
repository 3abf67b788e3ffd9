"""gardefou.exchange"""
