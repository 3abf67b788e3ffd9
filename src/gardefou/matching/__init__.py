"""gardefou.matching"""
