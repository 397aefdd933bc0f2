"""segreform.data"""
