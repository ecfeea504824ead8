"""promises"""
