"""gardefou.service"""
