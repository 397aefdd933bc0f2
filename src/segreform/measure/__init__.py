"""segreform.measure"""
