"""gardefou.text"""
