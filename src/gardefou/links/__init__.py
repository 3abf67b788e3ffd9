"""gardefou.links"""
