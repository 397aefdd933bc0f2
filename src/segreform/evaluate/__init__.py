"""segreform.evaluate"""
